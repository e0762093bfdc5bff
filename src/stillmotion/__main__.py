from stillmotion.cli import app

app()
