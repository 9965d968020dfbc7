/** Live events: placeholder until the stream view lands (see docs/console.md). */
import { h, replace, status } from '../dom';
import type { Page } from '../main';

export const eventsPage: Page = async (_session, main) => {
  replace(main, h('h1', { tabindex: '-1' }, 'Live events'), status('Coming next.'));
};
