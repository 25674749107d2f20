"""factory_boy factories shared by every app's tests."""

import factory
from django.contrib.auth.models import Group

from leads.models import Campaign, Channel, Lead, WebForm
from org.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = "sales"
    is_head = False
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pass-w0rd-123")

    @factory.post_generation
    def role_group(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and self.role:
            self.groups.add(Group.objects.get(name=self.role))
            self.save()


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Channel {n}")
    slug = factory.Sequence(lambda n: f"channel-{n}")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    channel = factory.SubFactory(ChannelFactory)


class WebFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebForm

    name = factory.Sequence(lambda n: f"Form {n}")
    slug = factory.Sequence(lambda n: f"form-{n}")
    channel = factory.SubFactory(ChannelFactory)


class LeadFactory(factory.django.DjangoModelFactory):
    """A bare row; tests that care about intake rules go through the service instead."""

    class Meta:
        model = Lead

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    channel = factory.SubFactory(ChannelFactory)
