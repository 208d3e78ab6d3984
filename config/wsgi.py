import gc
import os

from django.core.wsgi import get_wsgi_application

from api.middleware import ChunkedBodyMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = ChunkedBodyMiddleware(get_wsgi_application())

# What is loaded by now (Django, the apps, their modules and settings) lives as long as the
# process: out of the collector's sight. A full collection stops every thread of a worker while
# it walks every object; over the loaded application it took 300 ms (the p99 of every load of
# the bench at scale 1: 160-250 ms), over what requests have made since, 6-60 ms (p99 57-60 ms).
gc.freeze()
