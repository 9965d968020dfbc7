/**
 * Counts as horizontal bar charts in plain SVG: each bar labelled with its value and count (text,
 * not colour alone, carries the meaning), the whole chart one described image for screen readers,
 * and a click on a bar narrows the fleet to it.
 */
import { h, svg } from './dom';

export interface Bar {
  label: string;
  count: number;
  /** Where a click on the bar leads (the fleet filtered to it). */
  href?: string;
  /** A CSS class for its colour (a status or compliance state). */
  kind?: string;
}

const ROW = 24;
const LABEL_WIDTH = 150;
const BAR_WIDTH = 220;
const COUNT_WIDTH = 70;

export function barChart(title: string, bars: Bar[], testId: string): HTMLElement {
  const max = Math.max(1, ...bars.map((b) => b.count));
  const width = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH;
  const height = Math.max(1, bars.length) * ROW + 4;
  // Named by its <title> (SVG's own way), not aria-label: the form fields keep the only labels on the page.
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img' });
  chart.appendChild(svg('title', {}, `${title}: ${bars.map((b) => `${b.label} ${b.count}`).join(', ') || 'none'}`));
  bars.forEach((bar, i) => {
    const y = i * ROW + 2;
    const length = Math.max(2, Math.round((bar.count / max) * BAR_WIDTH));
    const row = svg(
      'g',
      { class: `bar ${bar.kind ?? ''}`, 'data-label': bar.label, 'data-count': bar.count },
      svg('text', { x: LABEL_WIDTH - 6, y: y + 16, class: 'label end' }, bar.label),
      svg('rect', { x: LABEL_WIDTH, y: y + 3, width: length, height: ROW - 8, rx: 2 }),
      svg('text', { x: LABEL_WIDTH + length + 6, y: y + 16, class: 'label' }, String(bar.count)),
    );
    // A click on a bar narrows the fleet to it (the form does the same from the keyboard): the chart
    // stays one image to assistive technology, its bars no links whose names could shadow the page's.
    const href = bar.href;
    if (href) {
      row.classList.add('narrows');
      row.addEventListener('click', () => (location.hash = href));
    }
    chart.appendChild(row);
  });
  return h(
    'figure',
    { class: 'chart', 'data-testid': `chart-${testId}` },
    h('figcaption', {}, title),
    bars.length ? chart : h('p', {}, 'No devices.'),
  );
}
