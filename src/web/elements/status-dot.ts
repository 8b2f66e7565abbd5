/**
 * <beacon-status-dot status="online">: a coloured dot whose SHAPE also encodes the
 * status (filled, crescent, bar, play, ring), so it survives colour blindness and
 * forced-colors mode where every colour becomes CanvasText.
 */
import type { Status } from '../lib/label-types.js';
import { STATUS_SHORT } from '../lib/labels.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const DISC = 'M1 8a7 7 0 1 0 14 0a7 7 0 1 0 -14 0z';

/** evenodd paths: the second sub-path punches the hole that gives each shape its meaning. */
const SHAPE: Record<Status, string> = {
  online: DISC,
  away: 'M8 1A7 7 0 1 0 15 8A5.2 5.2 0 0 1 8 1Z',
  busy: `${DISC} M4.25 6.6h7.5v2.8h-7.5z`,
  in_game: `${DISC} M6.2 4.8v6.4l5.2-3.2z`,
  offline: `${DISC} M3.6 8a4.4 4.4 0 1 0 8.8 0a4.4 4.4 0 1 0 -8.8 0z`,
};

/** Full class strings so Tailwind's scanner finds them. */
export const STATUS_COLOR: Record<Status, string> = {
  online: 'text-green-500',
  away: 'text-yellow-400',
  busy: 'text-purple-500',
  in_game: 'text-blue-500',
  offline: 'text-red-500',
};

function isStatus(value: string | null): value is Status {
  return value !== null && value in SHAPE;
}

export class StatusDotElement extends HTMLElement {
  static observedAttributes = ['status'];

  static define(tag = 'beacon-status-dot', registry = customElements): typeof StatusDotElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #svg: SVGSVGElement | null = null;
  #path: SVGPathElement | null = null;

  get status(): Status {
    const s = this.getAttribute('status');
    return isStatus(s) ? s : 'offline';
  }

  set status(value: Status) {
    this.setAttribute('status', value);
  }

  connectedCallback(): void {
    if (!this.#svg) this.#build();
    this.#render();
  }

  attributeChangedCallback(): void {
    if (this.#svg) this.#render();
  }

  #build(): void {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 16 16');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('class', 'block h-full w-full');
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('fill', 'currentColor');
    path.setAttribute('fill-rule', 'evenodd');
    svg.append(path);
    this.#svg = svg;
    this.#path = path;
    this.append(svg);
  }

  #render(): void {
    const status = this.status;
    this.#path?.setAttribute('d', SHAPE[status]);
    // The label lives on the element: role=img makes it one announced unit.
    this.setAttribute('role', 'img');
    this.setAttribute('aria-label', STATUS_SHORT[status]);
    this.setAttribute('title', STATUS_SHORT[status]);
    for (const cls of Object.values(STATUS_COLOR)) this.classList.remove(cls);
    this.classList.add('beacon-dot', STATUS_COLOR[status]);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-status-dot': StatusDotElement;
  }
}
