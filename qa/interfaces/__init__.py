"""How people reach hoidap: the long-lived Service, REST API, Gradio chat logic,
the CLI (cli/), upload and web guards, answer admission.
"""
