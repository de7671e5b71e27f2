import { Text } from '@mantine/core';
import { formatDate, formatRelative, isoDate } from '@/lib/ui/format';
import { Tip } from './Tip';

/** A date as "07 Oct 2024, 06:00:00 UTC" with the relative time in a tooltip. */
export function TimeText({ value, size = 'sm', c }: { value: Date | string | null | undefined; size?: string; c?: string }) {
  const iso = isoDate(value);
  if (!iso) return <Text size={size} c="dimmed" span>—</Text>;
  return (
    <Tip label={`${formatRelative(iso)} · ${iso}`} withArrow openDelay={300}>
      <Text size={size} c={c} span component="time" dateTime={iso} style={{ whiteSpace: 'nowrap' }}>
        {formatDate(value)}
      </Text>
    </Tip>
  );
}
