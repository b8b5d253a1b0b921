"""One module per screen; `visitapp.ui.routes` says which route shows which."""
