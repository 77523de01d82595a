from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "siyu.api"
    label = "siyu_api"
