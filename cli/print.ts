// What a command prints: progress and human text on stderr, machine-readable output (--json) as one
// line on stdout, so a pipeline reads stdout's last line and a human reads the terminal.
export const progress = (text: string): void => {
  process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
};

export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};
