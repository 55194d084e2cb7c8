#!/bin/sh
# The container's entrypoint: put the workflow into the working folder (a mounted /work)
# unless one is there, then run the command. Files already in the folder are kept.
set -eu
if [ ! -e Snakefile ]; then
    cp -R -n "$SDC1_WORKFLOW"/. .
fi
exec "$@"
