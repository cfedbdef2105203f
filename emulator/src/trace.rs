//! Instruction and trap tracing.
