"""Reference data files (indicator catalog, administrative units); the code that reads them lives
in ``transforms``. A package only so that the files are installed with the project."""
