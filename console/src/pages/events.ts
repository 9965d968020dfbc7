/**
 * Live events: the gateway's event stream (GET /v1/events), newest first, filtered by kind and
 * text; a dropped connection resumes after the last event received.
 */
import { field, h, replace } from '../dom';
import type { Page } from '../main';
import { follow, StreamEvent } from '../sse';

const KEEP = 500;
const KINDS = ['', 'device', 'firmware', 'family', 'config', 'message', 'endpoint'];

function summary(data: string): { txId: string; blockNumber: string; text: string } {
  try {
    const parsed = JSON.parse(data) as { txId?: string; blockNumber?: number | string; payload?: Record<string, unknown> };
    const payload = parsed.payload ?? {};
    const fields = ['deviceId', 'family', 'version', 'status', 'ownerMsp', 'keyId', 'count'];
    const text = fields
      .filter((name) => payload[name] !== undefined)
      .map((name) => `${name}=${String(payload[name])}`)
      .join(' ');
    return { txId: parsed.txId ?? '', blockNumber: String(parsed.blockNumber ?? ''), text };
  } catch {
    return { txId: '', blockNumber: '', text: data.slice(0, 200) };
  }
}

export const eventsPage: Page = async ({ api }, main) => {
  const since = h('input', { name: 'since', inputmode: 'numeric', pattern: '\\d*', autocomplete: 'off', placeholder: 'now' });
  const kind = h('select', { name: 'kind' }, ...KINDS.map((k) => h('option', { value: k }, k ? `${k}*` : 'all')));
  const text = h('input', { type: 'search', name: 'text', autocomplete: 'off', placeholder: 'device ID, family…' });
  const toggle = h('button', { type: 'submit' }, 'Connect');
  const state = h('p', { class: 'status', role: 'status' }, 'not connected');
  const list = h('ol', { class: 'events', 'aria-label': 'Events, newest first' });
  const form = h(
    'form',
    { class: 'inline', 'aria-label': 'Event stream' },
    field('From block', since, 'empty: from now on'),
    field('Kind', kind),
    field('Text', text),
    toggle,
  );
  replace(main, h('h1', { tabindex: '-1' }, 'Live events'), form, state, list);

  const events: StreamEvent[] = [];
  const matches = (event: StreamEvent) =>
    event.event.startsWith(kind.value) && (!text.value || `${event.event} ${event.data}`.toLowerCase().includes(text.value.toLowerCase()));
  const item = (event: StreamEvent) => {
    const s = summary(event.data);
    return h(
      'li',
      { 'data-event': event.event },
      h('strong', {}, event.event),
      ` ${s.text} · block ${s.blockNumber} · `,
      h('code', { title: s.txId }, s.txId.slice(0, 12)),
      ` · id ${event.id}`,
    );
  };
  const redraw = () => replace(list, ...events.filter(matches).map(item));
  kind.addEventListener('change', redraw);
  text.addEventListener('input', redraw);

  let stop: (() => void) | undefined;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (stop) {
      stop();
      stop = undefined;
      toggle.textContent = 'Connect';
      replace(state, 'not connected');
      return;
    }
    toggle.textContent = 'Disconnect';
    replace(state, 'connecting…');
    stop = follow({
      token: api.token,
      ...(since.value.trim() ? { since: since.value.trim() } : {}),
      onState: (message) => replace(state, message),
      onEvent: (received) => {
        events.unshift(received);
        if (events.length > KEEP) events.pop();
        if (matches(received)) list.prepend(item(received));
        while (list.children.length > KEEP) list.lastElementChild?.remove();
      },
    });
  });
  return () => stop?.();
};
