/** The dispatcher's old entry point: it is the pipeline in dispatch/ now. */
export * from "./dispatch/index.js";
