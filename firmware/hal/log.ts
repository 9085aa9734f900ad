/** Diagnostic log (trace on Moddable, stderr or a buffer on the host). Never carries secrets. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
