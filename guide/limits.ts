/**
 * Per-user limits of the guide: replies per minute and tokens per day, counted from the
 * usage records (chat.usage) the worker reads at start and writes with every reply. A user
 * over a limit gets a "limited" reply and the model is not asked.
 */
export interface LimitSettings {
  repliesPerMinute: number;
  tokensPerDay: number;
}

const minute = 60_000;
const day = 86_400_000;

export class UserLimits {
  private readonly usage = new Map<string, Array<{ at: number; tokens: number }>>();
  /** The worker records a reply's usage when it writes it and again when it reads it back. */
  private readonly counted = new Set<string>();

  constructor(private readonly settings: LimitSettings) {}

  record(userId: string, inReplyTo: string, at: number, tokens: number) {
    if (this.counted.has(inReplyTo)) return;
    this.counted.add(inReplyTo);
    const list = this.usage.get(userId) ?? [];
    list.push({ at, tokens });
    // Older than a day counts for nothing.
    while (list.length > 0 && (list[0] as { at: number }).at < at - day) list.shift();
    this.usage.set(userId, list);
  }

  /** Why `userId` may not be answered at `now`, or null. */
  refusal(userId: string, now: number): "rate_limited" | "token_budget" | null {
    const list = this.usage.get(userId) ?? [];
    const lastMinute = list.filter((u) => u.at > now - minute).length;
    if (lastMinute >= this.settings.repliesPerMinute) return "rate_limited";
    const tokens = list.filter((u) => u.at > now - day).reduce((n, u) => n + u.tokens, 0);
    if (tokens >= this.settings.tokensPerDay) return "token_budget";
    return null;
  }
}
