"""The WSGI entry point gunicorn serves."""

import os
import subprocess
import sys


def test_the_wsgi_application_hides_what_it_loaded_from_the_collector():
    """config.wsgi freezes the objects of the loaded application (gc.freeze): a full collection
    then walks only what requests made, and stops a worker's threads for milliseconds."""
    env = {**os.environ, "DEBUG": "true"}
    code = "import gc, config.wsgi; print(gc.get_freeze_count())"
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert int(run.stdout) > 10_000
