export * from "./security-header";
export * from "./ciphering";
export * from "./hls-gmac";
export * from "./invocation-counter";
export * from "./auth-failures";
export * from "./keys";
export * from "./persistence";
export * from "./meter-security";
