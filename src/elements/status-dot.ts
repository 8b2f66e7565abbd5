/**
 * The status dot: an SVG whose SHAPE also encodes the status (filled, crescent, bar,
 * play, ring), coloured by the `--beacon-color-<status>` custom property. It is always
 * paired with a text label: status is never told by colour alone.
 */
import type { Status } from '../client/index.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const DISC = 'M1 8a7 7 0 1 0 14 0a7 7 0 1 0 -14 0z';

/** evenodd paths: the second sub-path punches the hole that gives each shape its meaning. */
export const STATUS_SHAPE: Readonly<Record<Status, string>> = {
  online: DISC,
  away: 'M8 1A7 7 0 1 0 15 8A5.2 5.2 0 0 1 8 1Z',
  busy: `${DISC} M4.25 6.6h7.5v2.8h-7.5z`,
  in_game: `${DISC} M6.2 4.8v6.4l5.2-3.2z`,
  offline: `${DISC} M3.6 8a4.4 4.4 0 1 0 8.8 0a4.4 4.4 0 1 0 -8.8 0z`,
};

/** A decorative (aria-hidden) dot; the label next to it carries the meaning. */
export function statusDot(status: Status): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('part', `dot dot-${status.replace('_', '-')}`);
  svg.setAttribute('class', `dot ${status}`);
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('fill-rule', 'evenodd');
  path.setAttribute('d', STATUS_SHAPE[status]);
  svg.append(path);
  return svg;
}

/** `in_game` → `in-game`: the form used in part names and custom properties. */
export function statusToken(status: Status): string {
  return status.replace('_', '-');
}
