// Subcommands of the vtp binary. Each takes the arguments after its name and
// returns the process exit status (docs/errors.md lists them).
#pragma once

namespace vtp::app {

int ProbeCommand(int argc, char** argv);  // vtp probe FILE [--json]
int RunCommand(int argc, char** argv);    // vtp run INPUT -o OUTDIR ...
int WorkerCommand(int argc, char** argv);  // vtp worker [--data DIR] ...
int StatusCommand(int argc, char** argv);  // vtp status [VIDEO] [--json]
int DlqCommand(int argc, char** argv);     // vtp dlq list|show|retry
int RetryCommand(int argc, char** argv);   // vtp retry VIDEO --from STEP
int ServeCommand(int argc, char** argv);   // vtp serve [--listen HOST:PORT] ...
int KeysCommand(int argc, char** argv);    // vtp keys create|list|revoke
int ReportCommand(int argc, char** argv);  // vtp report VIDEO [--json] [--prices FILE]
int ViewsCommand(int argc, char** argv);   // vtp views VIDEO N [--policy FILE]
// Internal: executes one task of a job inside a worker process.
int TaskCommand(int argc, char** argv);   // vtp _task TASKFILE

}  // namespace vtp::app
