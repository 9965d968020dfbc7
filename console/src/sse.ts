/**
 * Server-Sent Events over fetch: EventSource cannot send the bearer token, so this reads the
 * stream itself, and resumes after a drop with Last-Event-ID, as the gateway allows (no gaps,
 * no duplicates).
 */

export interface StreamEvent {
  id: string;
  event: string;
  data: string;
}

/** Splits a text stream into events; keeps the unfinished tail for the next chunk. */
export class SseParser {
  #buffer = '';

  push(text: string): StreamEvent[] {
    this.#buffer += text.replace(/\r\n?/g, '\n');
    const events: StreamEvent[] = [];
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const event: StreamEvent = { id: '', event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (name === 'id') event.id = value;
        else if (name === 'event') event.event = value;
        else if (name === 'data') data.push(value);
      }
      event.data = data.join('\n');
      if (data.length > 0) events.push(event);
    }
    return events;
  }
}

export interface FollowOptions {
  token: string;
  /** Start block, for the first connection only. */
  since?: string;
  onEvent: (event: StreamEvent) => void;
  onState: (state: string) => void;
}

/** Follows /v1/events until stopped; reconnects with the last event's id after a drop. */
export function follow(options: FollowOptions): () => void {
  const abort = new AbortController();
  let lastId = '';
  let delay = 1000;
  const connect = async (): Promise<void> => {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' };
    if (lastId) headers['last-event-id'] = lastId;
    const query = !lastId && options.since ? `?since=${encodeURIComponent(options.since)}` : '';
    const res = await fetch(`/v1/events${query}`, { headers, signal: abort.signal });
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
      throw new Error(body?.error ? `${body.error.code}: ${body.error.message}` : `${res.status}`);
    }
    options.onState(lastId ? `connected, resumed after ${lastId}` : 'connected');
    delay = 1000;
    const parser = new SseParser();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const event of parser.push(value)) {
        if (event.id) lastId = event.id;
        options.onEvent(event);
      }
    }
  };
  const loop = async () => {
    while (!abort.signal.aborted) {
      try {
        await connect();
        options.onState('the stream ended; reconnecting…');
      } catch (err) {
        if (abort.signal.aborted) return;
        options.onState(`disconnected (${err instanceof Error ? err.message : String(err)}); retrying in ${delay / 1000} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  };
  void loop();
  return () => abort.abort();
}
