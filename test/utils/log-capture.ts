import { Logger } from '@nestjs/common';

export interface CapturedLine {
  level: 'warn' | 'error';
  context: string;
  message: string;
}

/**
 * Records what Nest loggers are asked to write at warn and error, whatever the log level lets
 * through (tests run with logs silenced): to count lines, not to read them.
 */
export function captureLogs(): { lines: CapturedLine[]; restore: () => void } {
  const lines: CapturedLine[] = [];
  const spies = (['warn', 'error'] as const).map((level) =>
    jest.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, ...args: unknown[]) {
      const message = args.find((a): a is string => typeof a === 'string') ?? '';
      lines.push({ level, context: (this as unknown as { context?: string }).context ?? '', message });
    }),
  );
  return { lines, restore: () => spies.forEach((s) => s.mockRestore()) };
}

/** How often each (level, context, message) was written, most often first. */
export function repeats(lines: CapturedLine[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const l of lines) {
    const key = `${l.level} ${l.context}: ${l.message}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}
