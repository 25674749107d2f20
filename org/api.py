from typing import Any

import django_filters
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from knox.models import AuthToken
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.rest import AuthThrottle
from org import matrix_services, selectors, services
from org.inputs import TrueFalseFilter, TypedModelSerializer, TypedSerializer
from org.matrix import handoff_list, matrix_rows, reporting_lines, rules_of
from org.models import FunnelStage, HandOff, Raci, ReportingLine, Role, User
from org.permissions import IsManagement, acting_user


class UserOutputSerializer(TypedModelSerializer):
    role = serializers.CharField(source="effective_role")
    head = serializers.BooleanField(source="is_head")

    class Meta:
        model = User
        fields = ["id", "username", "role", "head"]


class UserCreateSerializer(TypedSerializer):
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


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    is_head = TrueFalseFilter()

    class Meta:
        model = User
        fields = ["role", "is_head"]


class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Users of the CRM. Everyone logged in may list them (owners are shown by name);
    only management creates them."""

    serializer_class = UserOutputSerializer
    filterset_class = UserFilter

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


class TokenRequestSerializer(TypedSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenView(APIView):
    """``POST {"username", "password"}`` -> ``{"token"}``, a new token per login (hashed,
    expiring after ``TOKEN_TTL_HOURS``); wrong credentials -> 400. Throttled per address and
    locked out per username + address after repeated failures (org/auth.py)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The plain HttpRequest: django-axes counts the failure and flags a lockout on it.
        user = authenticate(request._request, **data.validated_data)
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with provided credentials.")]}
            )
        return Response({"token": services.token_issue(user=user)})


class LogoutView(APIView):
    """``POST`` -> 204: the caller's login token stops working."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        if not isinstance(request.auth, AuthToken):
            raise exceptions.ValidationError(
                {"detail": _("Only a login token can be logged out; revoke API keys instead.")}
            )
        services.token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- The responsibility matrix ------------------------------------------------------------


class DepartmentField(serializers.ChoiceField):
    """A department (role) code, optionally blank."""

    def __init__(self, *, blank: bool = False, **kwargs: Any) -> None:
        choices = [("", _("None")), *Role.choices] if blank else Role.choices
        super().__init__(choices=choices, allow_blank=blank, **kwargs)


def department_field(name: str, *, blank: bool = False, **kwargs: Any) -> DepartmentField:
    """A department field described under its own enum name in the schema: the same choice
    set under several field names otherwise makes drf-spectacular warn on every run."""
    enum = ["", *Role.values] if blank else list(Role.values)
    schema = {"type": "string", "enum": enum, "x-spec-enum-id": f"department-{name}"}
    field_class = extend_schema_field(schema)(
        type(f"DepartmentField_{name}", (DepartmentField,), {})
    )
    return field_class(blank=blank, **kwargs)


@extend_schema_field({"type": "string", "enum": Raci.values})
class RaciField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Raci.choices, **kwargs)


class HandOffSerializer(TypedModelSerializer):
    stage = serializers.SlugRelatedField(slug_field="code", queryset=FunnelStage.objects.all())
    from_department = department_field("from_department")
    to_department = department_field("to_department")
    approver = department_field("approver", blank=True, required=False, default="")
    requires_approval = serializers.BooleanField(read_only=True)

    class Meta:
        model = HandOff
        fields = [
            "id",
            "stage",
            "from_department",
            "to_department",
            "what",
            "approver",
            "requires_approval",
        ]
        read_only_fields = ["id", "requires_approval"]


class HandOffUpdateSerializer(TypedSerializer):
    from_department = department_field("from_department", required=False)
    to_department = department_field("to_department", required=False)
    what = serializers.CharField(max_length=300, required=False)
    approver = department_field("approver", blank=True, required=False)


class MatrixStageSerializer(TypedModelSerializer):
    """A row of the matrix: the stage, each department's RACI letter, its hand-off rules."""

    deal_stage = serializers.SerializerMethodField()
    raci = serializers.SerializerMethodField()
    handoffs = HandOffSerializer(many=True, read_only=True)

    class Meta:
        model = FunnelStage
        fields = ["code", "name", "order", "description", "deal_stage", "raci", "handoffs"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_deal_stage(self, stage: FunnelStage) -> str | None:
        """The pipeline stage this row governs (the deals app's reverse one-to-one)."""
        deal_stage = getattr(stage, "deal_stage", None)
        return deal_stage.code if deal_stage is not None else None

    @extend_schema_field(serializers.DictField(child=serializers.ChoiceField(choices=Raci.choices)))
    def get_raci(self, stage: FunnelStage) -> dict[str, str]:
        return rules_of(stage).letters


class MatrixStageUpdateSerializer(TypedSerializer):
    raci = serializers.DictField(
        child=RaciField(),
        help_text=_('Letters to set, e.g. {"marketing": "C"}'),
    )


class MatrixStageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The responsibility matrix, row by row in funnel order. Everyone reads it; managers
    change letters (audited)."""

    serializer_class = MatrixStageSerializer
    lookup_field = "code"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return matrix_rows()

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "partial_update":
            return [IsAuthenticated(), IsManagement()]
        return [IsAuthenticated()]

    @extend_schema(request=MatrixStageUpdateSerializer, responses=MatrixStageSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        stage = self.get_object()
        data = MatrixStageUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        matrix_services.matrix_set_letters(
            changes={stage.code: data.validated_data["raci"]},  # type: ignore[index]
            by=acting_user(request),
        )
        return Response(MatrixStageSerializer(matrix_rows().get(pk=stage.pk)).data)


class HandOffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Hand-off rules: at a stage, who hands what to whom and whose sign-off it needs.
    Everyone reads them; managers add, change and remove them (audited)."""

    serializer_class = HandOffSerializer
    filterset_fields = ["stage__code", "approver"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return handoff_list()

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action in ("create", "partial_update", "destroy"):
            return [IsAuthenticated(), IsManagement()]
        return [IsAuthenticated()]

    @extend_schema(request=HandOffSerializer, responses={201: HandOffSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = HandOffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handoff = matrix_services.handoff_create(by=acting_user(request), **data.validated_data)
        return Response(HandOffSerializer(handoff).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=HandOffUpdateSerializer, responses=HandOffSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        handoff = self.get_object()
        data = HandOffUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handoff = matrix_services.handoff_update(
            handoff=handoff,
            by=acting_user(request),
            **data.validated_data,  # type: ignore[arg-type]
        )
        return Response(HandOffSerializer(handoff).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        matrix_services.handoff_delete(handoff=self.get_object(), by=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReportingLineSerializer(TypedModelSerializer):
    department = department_field("department")
    reports_to = department_field("reports_to")

    class Meta:
        model = ReportingLine
        fields = ["id", "department", "reports_to", "subject", "cadence"]


class ReportingLineViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who reports to whom, about what and how often (managers edit them in the admin)."""

    serializer_class = ReportingLineSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return reporting_lines()
