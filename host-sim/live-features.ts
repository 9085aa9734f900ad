/**
 * Node-only parts of features for the running simulator (DLMS server on TCP, LCD drawing):
 * they add themselves to `liveHooks` in cli.ts. Kept apart from features.ts, which also runs in XS.
 */
import "./live-lcd";
import "./live-security";
import "./live-dlms";
import "./live-optical";
export {};
