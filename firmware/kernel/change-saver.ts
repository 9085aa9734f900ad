/**
 * Told after its owner changed a state the meter keeps in flash: `saveIfRestored(kind)`, `kind`
 * the state's number (the meter's persistence implements it). Owners take one through
 * `saveChangesTo(saver, kind)` and keep it in two fields: no closure per owner.
 */
export interface ChangeSaver {
  saveIfRestored(kind: number): void;
}
