// The text of a followed log: appended as chunks arrive, bounded so a chatty container cannot grow the
// document without limit. What was dropped is said at the top, never silently.

export class LogBuffer {
  private chunks: string[] = [];
  private length = 0;
  private droppedChars = 0;

  constructor(private readonly maxChars = 2_000_000) {}

  append(text: string): void {
    if (text === '') return;
    this.chunks.push(text);
    this.length += text.length;
    if (this.length > this.maxChars) {
      this.trim();
    }
  }

  private trim(): void {
    let all = this.chunks.join('');
    let cut = all.length - Math.floor(this.maxChars * 0.9);
    // Cut at a line boundary so the first kept line is whole.
    const newline = all.indexOf('\n', cut);
    if (newline >= 0 && newline - cut < 4096) cut = newline + 1;
    this.droppedChars += cut;
    all = all.slice(cut);
    this.chunks = [all];
    this.length = all.length;
  }

  get dropped(): number {
    return this.droppedChars;
  }

  get text(): string {
    if (this.chunks.length > 1) {
      this.chunks = [this.chunks.join('')];
    }
    const body = this.chunks[0] ?? '';
    return this.droppedChars > 0 ? `[… ${this.droppedChars} earlier characters dropped: the document keeps the last ${this.maxChars} …]\n${body}` : body;
  }
}
