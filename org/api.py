from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.rest import AuthThrottle
from org import selectors, services
from org.models import Role, User
from org.permissions import IsManagement


class UserOutputSerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="effective_role")
    head = serializers.BooleanField(source="is_head")

    class Meta:
        model = User
        fields = ["id", "username", "role", "head"]


class UserCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        error_messages={"invalid": _("Letters, digits and @/./+/-/_ only.")},
    )
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    role = serializers.CharField(max_length=20)
    head = serializers.BooleanField(required=False, default=False)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")

    def validate_role(self, value: str) -> str:
        if value not in Role.values:
            raise serializers.ValidationError(
                _("Unknown role; choose one of: %(roles)s.") % {"roles": ", ".join(Role.values)}
            )
        return value


class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Users of the CRM. Everyone logged in may list them (owners are shown by name);
    only management creates them."""

    serializer_class = UserOutputSerializer
    filterset_fields = ["role", "is_head"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.user_list()

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "create":
            return [IsAuthenticated(), IsManagement()]
        return [IsAuthenticated()]

    @extend_schema(request=UserCreateSerializer, responses={201: UserOutputSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(**data.validated_data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=UserOutputSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)


class TokenView(ObtainAuthToken):
    """``POST {"username", "password"}`` -> ``{"token"}``; wrong credentials -> 400."""

    throttle_classes = [AuthThrottle]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
