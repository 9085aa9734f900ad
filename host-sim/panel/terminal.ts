/**
 * The live panel on a terminal, drawn with terminal-kit (alternate screen, raw keys): the lines
 * come from model.ts, keys go to handleKey. Host-only.
 */
import terminalKit from "terminal-kit";
import type { Simulation } from "../simulation";
import { handleKey, panelLines, type PanelState } from "./model";

export interface TerminalPanel {
  draw(): void;
  close(): void;
  /** Lines written to stderr while the panel is open (banners, warnings), oldest first. */
  readonly notices: string[];
}

export function openTerminalPanel(sim: () => Simulation, state: PanelState, onQuit: () => void): TerminalPanel {
  const term = terminalKit.terminal;
  // stderr lines (DLMS banner, warnings) would scribble over the panel: keep them for the panel
  // and print them after it closes, also when the process exits on an error.
  const notices: string[] = [];
  const stderrWrite = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split("\n")) if (line) notices.push(line);
    if (notices.length > 50) notices.splice(0, notices.length - 50);
    return true;
  }) as typeof process.stderr.write;
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    term.grabInput(false);
    term.hideCursor(false);
    term.fullscreen(false);
    process.stderr.write = stderrWrite;
    for (const line of notices) process.stderr.write(line + "\n");
  };
  process.on("exit", close);
  term.fullscreen(true);
  term.hideCursor(true);
  term.grabInput(true);
  let previous: string[] = [];
  const draw = () => {
    const lines = panelLines(sim(), state);
    const height = Math.max(lines.length, previous.length);
    for (let i = 0; i < height; i++) {
      const line = (lines[i] ?? "").slice(0, term.width - 1);
      if (line === previous[i]) continue;
      term.moveTo(1, i + 1);
      term.eraseLine();
      if (i === 0) term.bold(line);
      else term(line);
    }
    previous = lines;
  };
  term.on("key", (name: string) => {
    if (handleKey(name, sim(), state)) draw();
    if (state.quit) onQuit();
  });
  return { draw, close, notices };
}
