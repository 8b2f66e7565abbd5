/**
 * "As of 14:02": the time of the last answer from Beacon, said wherever the elements show data
 * that is not live (the friend list's note, <beacon-status>'s last known status). Hours and
 * minutes in the page's locale, on the device's clock (the time the answer arrived here).
 */
export function asOfTime(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
