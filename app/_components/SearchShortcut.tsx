'use client';

import { useHotkeys } from '@mantine/hooks';

/**
 * Keyboard shortcut to the header's search box: "/" or Ctrl/⌘+K focuses the first visible search field (a pasted
 * node id then opens its page). Typing "/" inside a field is left alone (useHotkeys ignores inputs by default).
 */
export function SearchShortcut() {
  const focus = () => {
    const fields = Array.from(document.querySelectorAll<HTMLInputElement>('form[role="search"] input[name="q"]'));
    const field = fields.find((f) => f.offsetParent !== null) ?? null;
    if (field) {
      field.focus();
      field.select();
    } else {
      window.location.assign('/search');
    }
  };
  useHotkeys([
    ['/', focus],
    ['mod+K', focus],
  ]);
  return null;
}
