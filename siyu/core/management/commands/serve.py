"""`siyu serve --fd N`: one web process (waitress) answering on a listening socket it was
handed by `siyu run`, which starts several of these on one port (waitress itself runs one
process; the kernel shares the socket's connections among the processes)."""

import socket

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve siyu on an inherited listening socket (started by `siyu run`)."

    def add_arguments(self, parser):
        parser.add_argument("--fd", type=int, required=True, help="the listening socket's fd")
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, fd, threads, **options):
        import waitress

        from siyu.wsgi import application

        waitress.serve(application, sockets=[socket.socket(fileno=fd)], threads=threads)
