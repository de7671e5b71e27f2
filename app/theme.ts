import { DEFAULT_THEME, type MantineColorsTuple, type MantineThemeOverride } from '@mantine/core';

/**
 * Shades 6–9 of a Mantine colour replaced by darker ones, so that text in that colour (shade 6: `c="red"`, light and
 * outline badges, links) reads at ≥ 4.5:1 (WCAG AA) on white, on the page's gray-0 and on the colour's own light
 * tint, and white text on a filled badge or button does too. Shades 0–5 (tints, borders, backgrounds) stay Mantine's.
 * Ratios are checked by the accessibility e2e test (e2e/a11y.spec.ts) on every page.
 */
function readable(name: keyof typeof DEFAULT_THEME.colors, dark: [string, string, string, string]): MantineColorsTuple {
  return [...(DEFAULT_THEME.colors[name] ?? []).slice(0, 6), ...dark] as unknown as MantineColorsTuple;
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
  colors: {
    // gray-6 is Mantine's "dimmed" text (was #868e96, 3.3:1).
    gray: readable('gray', ['#5c6370', '#495057', '#343a40', '#212529']),
    red: readable('red', ['#c92a2a', '#b02525', '#9c2020', '#861b1b']),
    orange: readable('orange', ['#a63c06', '#963605', '#853004', '#742a04']),
    yellow: readable('yellow', ['#8a5a00', '#7a5000', '#6b4600', '#5c3c00']),
    green: readable('green', ['#1f6f33', '#1b632d', '#175627', '#134a21']),
    teal: readable('teal', ['#0b7050', '#0a6447', '#08583e', '#074c36']),
    indigo: readable('indigo', ['#3b5bdb', '#364fc7', '#2f45ae', '#283b95']),
    blue: readable('blue', ['#1864ab', '#155896', '#124c82', '#0f406d']),
    grape: readable('grape', ['#862e9c', '#772989', '#682477', '#591f66']),
  },
  primaryColor: 'indigo',
  defaultRadius: 'md',
  cursorType: 'pointer',
  components: {
    // A table wider than the screen scrolls sideways: keyboard users must be able to focus it to scroll.
    TableScrollContainer: { defaultProps: { scrollAreaProps: { viewportProps: { tabIndex: 0 } } } },
  },
};
