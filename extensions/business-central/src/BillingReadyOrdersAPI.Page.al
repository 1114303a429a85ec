// POST /api/logisticsSync/shipping/v1.0/companies({id})/billingReadyOrders
// GET  …/billingReadyOrders?$filter=orderNo eq '{orderNo}' (the invoice read-back finds the order's shipment; an API
//      page serves GET and $filter without more code)
page 50101 "LSYNC Billing Ready API"
{
    PageType = API;
    APIPublisher = 'logisticsSync';
    APIGroup = 'shipping';
    APIVersion = 'v1.0';
    EntityName = 'billingReadyOrder';
    EntitySetName = 'billingReadyOrders';
    SourceTable = "LSYNC Billing Ready Order";
    DelayedInsert = true;
    ODataKeyFields = SystemId;
    ModifyAllowed = false;
    DeleteAllowed = false;

    layout
    {
        area(Content)
        {
            repeater(Rows)
            {
                field(id; Rec.SystemId) { Editable = false; }
                field(orderNo; Rec."Order No.") { }
                field(shipmentNo; Rec."Shipment No.") { }
                field(podDocumentId; Rec."POD Document Id") { }
                field(deliveredAt; Rec."Delivered At") { }
                field(idempotencyKey; Rec."Idempotency Key") { }
            }
        }
    }

    // A repeated idempotencyKey answers the first row instead of inserting a second (the contract's rule).
    trigger OnInsertRecord(BelowxRec: Boolean): Boolean
    var
        First: Record "LSYNC Billing Ready Order";
    begin
        if (Rec."Idempotency Key" = '') or (Rec."Order No." = '') then
            Error('orderNo and idempotencyKey are required.');
        First.SetRange("Idempotency Key", Rec."Idempotency Key");
        if First.FindFirst() then begin
            Rec := First;
            exit(false);
        end;
        exit(true);
    end;
}
