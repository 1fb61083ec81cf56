"""Execute notebooks as a student would and report what they printed: used by the Binder rehearsal.

python tests/run_notebooks.py WORKDIR NOTEBOOK...  ->  one JSON object on stdout:
{notebook: {"error": "..." or null, "text": "all stream and text/plain output"}}
The notebooks are copied to WORKDIR and run there (whatever they write stays there), with the
python3 kernel of the interpreter that runs this script.
"""

import json
import shutil
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main() -> None:
    work = Path(sys.argv[1])
    work.mkdir(parents=True, exist_ok=True)
    report = {}
    for src in map(Path, sys.argv[2:]):
        dst = work / src.name
        shutil.copyfile(src, dst)
        nb = nbformat.read(dst, as_version=4)
        error = None
        try:
            NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
        except CellExecutionError as exc:
            error = str(exc)[-2000:]
        text = []
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream":
                    text.append(out.get("text", ""))
                elif out.get("output_type") == "error":
                    text.append("\n".join(out.get("traceback", [])))
                elif "data" in out and "text/plain" in out["data"]:
                    text.append(out["data"]["text/plain"])
        report[src.name] = {"error": error, "text": "".join(text)}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
