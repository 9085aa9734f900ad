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
}

export function openTerminalPanel(sim: () => Simulation, state: PanelState, onQuit: () => void): TerminalPanel {
  const term = terminalKit.terminal;
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
  return {
    draw,
    close() {
      term.grabInput(false);
      term.hideCursor(false);
      term.fullscreen(false);
    },
  };
}
