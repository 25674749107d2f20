from django.urls import path

from feedback.views import briefs, disputes, objections, quality, reviews

app_name = "feedback"

urlpatterns = [
    path("", quality.inbox, name="inbox"),
    path("quality/", quality.quality, name="quality"),
    path("leads/<int:pk>/", quality.lead_page, name="lead"),
    path("leads/<int:pk>/rate/", quality.lead_rate, name="lead_rate"),
    path("leads/<int:pk>/dispute/", quality.lead_dispute, name="lead_dispute"),
    path("leads/<int:pk>/objection/", quality.lead_objection, name="lead_objection"),
    path("deals/<int:pk>/", quality.deal_page, name="deal"),
    path("deals/<int:pk>/objection/", quality.deal_objection, name="deal_objection"),
    path("disputes/", disputes.dispute_list, name="disputes"),
    path("disputes/<int:pk>/", disputes.dispute_detail, name="dispute"),
    path("disputes/<int:pk>/respond/", disputes.dispute_respond, name="dispute_respond"),
    path("disputes/<int:pk>/decide/", disputes.dispute_decide, name="dispute_decide"),
    path("objections/", objections.objection_list, name="objections"),
    path("objections/add/", objections.objection_add, name="objection_add"),
    path("objections/<int:pk>/", objections.objection_detail, name="objection"),
    path("objections/<int:pk>/answers/", objections.answer_add, name="answer_add"),
    path("answers/<int:pk>/vote/", objections.answer_vote, name="answer_vote"),
    path("reviews/", reviews.meeting_list, name="reviews"),
    path("reviews/new/", reviews.meeting_new, name="review_new"),
    path("reviews/<int:pk>/", reviews.meeting_detail, name="review"),
    path("reviews/<int:pk>/action-items/", reviews.action_item_add, name="action_item_add"),
    path("action-items/<int:pk>/done/", reviews.action_item_done, name="action_item_done"),
    path("briefs/", briefs.brief_list, name="briefs"),
    path("briefs/new/", briefs.brief_new, name="brief_new"),
    path("briefs/<int:pk>/", briefs.brief_detail, name="brief"),
    path("briefs/<int:pk>/move/", briefs.brief_move, name="brief_move"),
    path("briefs/<int:pk>/warn/", briefs.brief_warn, name="brief_warn"),
]
