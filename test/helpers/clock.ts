/**
 * A clock that moves only when told: time-dependent logic is tested without sleeping. It is two
 * clocks, as the server has (services.ts): the wall clock `now` and the monotonic one. Time
 * passing (advance, or setting `t`) moves both alike; `step` moves the wall clock alone, as an
 * NTP step or a restored VM does.
 */
export class FakeClock {
  #wall: number;
  #mono = 0;

  constructor(t = Date.now()) {
    this.#wall = t;
  }

  /** The wall clock's reading; setting it is time passing (or going back), on both clocks. */
  get t(): number {
    return this.#wall;
  }

  set t(value: number) {
    this.#mono += value - this.#wall;
    this.#wall = value;
  }

  now = (): number => this.#wall;
  monotonic = (): number => this.#mono;

  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }

  /** The wall clock steps by `ms` (negative: back); the monotonic clock does not move. */
  step(ms: number): number {
    this.#wall += ms;
    return this.#wall;
  }
}
