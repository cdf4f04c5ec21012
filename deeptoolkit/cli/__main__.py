from deeptoolkit.cli import run

run()
