from django.urls import path

from deals import views

app_name = "deals"

urlpatterns = [
    path("", views.board, name="board"),
    path("<int:pk>/", views.deal_detail, name="detail"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/payments/", views.payment, name="payment"),
    path("<int:pk>/payments/<int:payment_id>/void/", views.payment_void, name="payment_void"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/sign-off/", views.sign_off, name="sign_off"),
    path("<int:pk>/request-sign-off/", views.request_sign_off, name="request_sign_off"),
    path("<int:pk>/repeat/", views.repeat, name="repeat"),
    path("convert/<int:lead_id>/", views.convert, name="convert"),
]
