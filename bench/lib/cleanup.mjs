// Kills the processes a benchmark started when it exits early (an error or Ctrl-C), so
// no workerd or fake server is left running, then deletes its temporary folders.
const killers = new Set();
const removers = new Set();

/** Registers a synchronous kill; returns a function that unregisters it after a clean stop. */
export function killOnExit(kill) {
  killers.add(kill);
  return () => killers.delete(kill);
}

/** Registers a synchronous folder removal that runs after every kill; returns its unregister function. */
export function removeOnExit(remove) {
  removers.add(remove);
  return () => removers.delete(remove);
}

function killAll() {
  for (const action of [...killers, ...removers]) {
    try {
      action();
    } catch {
      // The process or folder is gone already.
    }
  }
  killers.clear();
  removers.clear();
}

process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}
