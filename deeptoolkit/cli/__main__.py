from deeptoolkit.cli import main

main()
