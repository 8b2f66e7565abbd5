/** A clock that moves only when told: time-dependent logic is tested without sleeping. */
export class FakeClock {
  constructor(public t = Date.now()) {}
  now = (): number => this.t;
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}
