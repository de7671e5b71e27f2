import { DEFAULT_THEME, type MantineColorsTuple, type MantineThemeOverride } from '@mantine/core';
import { readableShades } from '@/lib/ui/format';

/** Mantine's colours whose shades carry text (`c="red"`, badges, links, buttons). */
const TEXT_COLORS = ['gray', 'red', 'pink', 'grape', 'violet', 'indigo', 'blue', 'cyan', 'teal', 'green', 'lime', 'yellow', 'orange'] as const;

/**
 * A Mantine colour with shades 6–9 darkened until text in them reads at ≥ 4.5:1 (WCAG AA) on white, on the page's
 * greys and on the colour's own light tint, and white text on them does too (lib/ui/format.ts readableShades). Shades
 * 0–5 (tints, borders, backgrounds) stay Mantine's. The accessibility e2e test (e2e/a11y.spec.ts) checks every page.
 */
function readable(name: (typeof TEXT_COLORS)[number]): MantineColorsTuple {
  return readableShades(DEFAULT_THEME.colors[name] ?? []) as unknown as MantineColorsTuple;
}

/** keygraph's Mantine theme: Inter (self-hosted via @fontsource), indigo primary, calm greys, a palette whose text
 * shades pass WCAG AA contrast. A plain object (no createTheme call) so server components can pass it to the provider. */
export const theme: MantineThemeOverride = {
  fontFamily: 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, "JetBrains Mono", Menlo, Consolas, monospace',
  headings: {
    fontFamily: 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    fontWeight: '650',
  },
  colors: Object.fromEntries(TEXT_COLORS.map((name) => [name, readable(name)])),
  primaryColor: 'indigo',
  defaultRadius: 'md',
  cursorType: 'pointer',
  components: {
    // A table wider than the screen scrolls sideways: keyboard users must be able to focus it to scroll.
    TableScrollContainer: { defaultProps: { scrollAreaProps: { viewportProps: { tabIndex: 0 } } } },
  },
};
