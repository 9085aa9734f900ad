/**
 * Authentication failures per connection source (remote address): each failure (wrong LLS
 * password, wrong HLS proof) doubles the delay before the next AARE to that source, from
 * `baseDelayMs` up to `maxDelayMs`; reaching `threshold` consecutive failures (and every
 * `threshold` more) reports a repeated-failure event (IDIS fraud event 46). A success clears
 * the source; a source quiet for `forgetAfterMs` is forgotten. At most `maxSources` are kept
 * (the oldest is dropped), so a scan of many addresses cannot exhaust memory.
 */
export interface AuthFailureOptions {
  threshold: number;
  baseDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
  maxSources: number;
}

export const DEFAULT_AUTH_FAILURE_OPTIONS: AuthFailureOptions = {
  threshold: 3,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  forgetAfterMs: 15 * 60_000,
  maxSources: 16,
};

interface SourceState {
  failures: number;
  lastFailureMs: number;
}

export class AuthFailureTracker {
  private readonly sources = new Map<string, SourceState>();
  readonly options: AuthFailureOptions;

  constructor(
    private readonly nowMs: () => number,
    /** Called when a source reaches the threshold (the owner logs event 46). */
    private readonly onRepeatedFailure: (source: string, failures: number) => void,
    options: Partial<AuthFailureOptions> = {},
  ) {
    this.options = { ...DEFAULT_AUTH_FAILURE_OPTIONS, ...options };
  }

  failures(source: string): number {
    return this.current(source)?.failures ?? 0;
  }

  /** Milliseconds still to wait before answering an AARQ from `source` (0 = answer now). */
  delayMs(source: string): number {
    const state = this.current(source);
    if (!state || state.failures === 0) return 0;
    const delay = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (state.failures - 1));
    return Math.max(0, state.lastFailureMs + delay - this.nowMs());
  }

  recordFailure(source: string): void {
    let state = this.current(source);
    if (!state) {
      if (this.sources.size >= this.options.maxSources) {
        const oldest = this.sources.keys().next().value;
        if (oldest !== undefined) this.sources.delete(oldest);
      }
      state = { failures: 0, lastFailureMs: 0 };
    }
    this.sources.delete(source);
    state.failures++;
    state.lastFailureMs = this.nowMs();
    this.sources.set(source, state);
    if (state.failures % this.options.threshold === 0) this.onRepeatedFailure(source, state.failures);
  }

  recordSuccess(source: string): void {
    this.sources.delete(source);
  }

  private current(source: string): SourceState | undefined {
    const state = this.sources.get(source);
    if (state && this.nowMs() - state.lastFailureMs > this.options.forgetAfterMs) {
      this.sources.delete(source);
      return undefined;
    }
    return state;
  }
}
