from django.apps import AppConfig


class WecomConfig(AppConfig):
    name = "siyu.wecom"
    label = "wecom"
    verbose_name = "企业微信"
