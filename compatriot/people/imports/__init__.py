"""Bulk import and export of persons (CSV, XLSX, HXL-tagged CSV).

`columns` is the file format, `reading` opens files, `normalising` turns rows into validated
records (in worker processes for big files), `storage` writes batches (PostgreSQL COPY, or the
ORM elsewhere), `importer` drives it all, and `exporter` writes what a viewer may see.
"""
