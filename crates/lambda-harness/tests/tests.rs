//! Integration tests of the harness against a real `lambda_runtime` binary (the `echo-lambda` fixture).

// Helpers shared by the modules below: the fixture's path, a harness with patient limits, temp files.
mod support;

// Events in, responses and function errors out, on a warm process.
mod invoke;

// Each way a function can fail ends in a clear error, never a hang.
mod failures;

// The `lambda-harness` binary: JSON lines, exit codes, cold-start measurement.
mod cli;
