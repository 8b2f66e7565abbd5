/** The Redis Cluster hash slot (CRC16 mod 16384, honouring `{hash tags}`) of a key or channel; the package ships no types. */
declare module 'cluster-key-slot' {
  function calculateSlot(key: string | Buffer): number;
  export default calculateSlot;
}
