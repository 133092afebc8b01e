"""PySide6 interface: main window, models, views, dialogs and worker threads."""
