// Subcommands of the vtp binary. Each takes the arguments after its name and
// returns the process exit status (docs/errors.md lists them).
#pragma once

namespace vtp::app {

int ProbeCommand(int argc, char** argv);  // vtp probe FILE [--json]
int RunCommand(int argc, char** argv);    // vtp run INPUT -o OUTDIR ...
// Internal: executes one task of a job inside a worker process.
int TaskCommand(int argc, char** argv);   // vtp _task TASKFILE

}  // namespace vtp::app
