import type { MantineThemeOverride } from '@mantine/core';

/** keygraph's Mantine theme: Inter (self-hosted via @fontsource), indigo primary, calm greys. A plain object (no
 * createTheme call) so server components can pass it to the provider. */
export const theme: MantineThemeOverride = {
  fontFamily: 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, "JetBrains Mono", Menlo, Consolas, monospace',
  headings: {
    fontFamily: 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    fontWeight: '650',
  },
  primaryColor: 'indigo',
  defaultRadius: 'md',
  cursorType: 'pointer',
  components: {
    // A table wider than the screen scrolls sideways: keyboard users must be able to focus it to scroll.
    TableScrollContainer: { defaultProps: { scrollAreaProps: { viewportProps: { tabIndex: 0 } } } },
  },
};
