"""The CLI's commands, one module per noun; each has `register(app, friendly)`."""
