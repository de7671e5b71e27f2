import { describe, expect, it } from 'vitest';
import { DEFAULT_THEME } from '@mantine/core';
import { NODE_KINDS } from '../graph/model';
import { theme } from '../../app/theme';
import { contrastRatio, readableColor } from './format';

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
const WHITE = rgb('#ffffff');
const GRAY_1 = rgb('#f1f3f5');

describe('readable colours (WCAG AA, 4.5:1 for small text)', () => {
  it('computes the WCAG contrast ratio', () => {
    expect(contrastRatio(rgb('#000000'), WHITE)).toBeCloseTo(21, 5);
    expect(contrastRatio(rgb('#868e96'), WHITE)).toBeCloseTo(3.32, 2); // Mantine's old dimmed grey
  });

  it('every kind badge colour of the model reads on white and on a hovered row', () => {
    for (const [key, spec] of Object.entries(NODE_KINDS)) {
      const c = rgb(readableColor(spec.color));
      expect(contrastRatio(c, WHITE), key).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(c, GRAY_1), key).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("the theme's text shades (6–9) read on white and carry white text; shades 0–5 stay Mantine's", () => {
    for (const [name, shades] of Object.entries(theme.colors ?? {})) {
      expect(shades!.slice(0, 6), name).toEqual(DEFAULT_THEME.colors[name]!.slice(0, 6));
      for (const s of shades!.slice(6)) expect(contrastRatio(rgb(s), WHITE), `${name} ${s}`).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('leaves what is not #rrggbb unchanged', () => {
    expect(readableColor('red')).toBe('red');
  });
});
