/**
 * <beacon-status-dot status="online">: a coloured dot whose SHAPE also encodes the
 * status (filled, crescent, bar, play, ring), so it survives colour blindness and
 * forced-colors mode where every colour becomes CanvasText.
 */
import type { Status } from '../lib/label-types.js';
import { STATUS_SHORT } from '../lib/labels.js';
import { STATUS_SHAPE } from '../../elements/status-dot.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** The same shapes as the drop-in elements' dots (one table for both). */
const SHAPE = STATUS_SHAPE;

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
